package local

import _ "example.com/d"

// L names the local replacement.
func L() string { return "local" }
