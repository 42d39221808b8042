// Command replace is a fixture project with a module replacement, a
// directory replacement and an exclude.
package main

import (
	"fmt"

	"example.com/excl"
	_ "example.com/excluser"
	"example.com/local"
	"example.com/orig"
)

func main() { fmt.Println(excl.V, local.L(), orig.Who()) }
