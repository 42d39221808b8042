package lib

import "example.com/v/tags"

// F calls tags.
func F() { _ = tags.Hello() }
