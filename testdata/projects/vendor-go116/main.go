package main

import (
	_ "example.com/v/emb"
	_ "example.com/v/nogo/pkg"
	"example.com/v/tags"
)

func main() { println(tags.Hello()) }
