package main

import (
	_ "example.com/v/emb"
	"example.com/v/local"
	_ "example.com/v/orig"
	_ "example.com/v/outer/inner"
	_ "example.com/v/outer/nested"
	_ "stdlike/s"
)

func main() { println(local.L) }
