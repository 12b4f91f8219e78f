"""`b24app demo`: the app and the stand-in portal on loopback, playing a scripted month."""
