// Package x is a directory replacement the build never loads.
package x

// X says its name.
func X() string { return "x" }
