package main

import (
	_ "example.com/v/local"
	_ "example.com/v/orig"
	"example.com/vw/lib"
)

func main() { lib.F() }
