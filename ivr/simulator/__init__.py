"""ivr.simulator"""
