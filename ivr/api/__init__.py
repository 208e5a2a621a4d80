"""ivr.api"""
