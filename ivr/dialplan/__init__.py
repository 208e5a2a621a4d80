"""Reading Asterisk dialplans and checking that no hand-off can reach voicemail."""
