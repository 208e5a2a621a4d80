"""ivr.store"""
