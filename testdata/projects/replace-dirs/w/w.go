// Package w is a directory replacement that requires another one.
package w

// W says its name.
func W() string { return "w" }
