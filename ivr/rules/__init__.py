"""ivr.rules"""
