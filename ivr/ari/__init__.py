"""ivr.ari"""
