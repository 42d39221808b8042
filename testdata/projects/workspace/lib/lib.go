// Package lib is the library module of a go.work workspace fixture.
package lib

import upper "example.com/Upper/Case"

// L says hello through a dependency.
func L() string { return upper.Hello() }
