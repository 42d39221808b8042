// Command twopaths replaces two modules with one directory: the go command
// refuses to load packages (`./shared@ used for two different module
// paths`), and so must modsnap.
package main

import "example.com/a"

func main() { a.A() }
