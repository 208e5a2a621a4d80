"""ivr.flow"""
