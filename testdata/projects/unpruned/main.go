// Command unpruned is a fixture project with an unpruned module graph
// (go 1.16): the go command reads every reachable go.mod.
package main

import (
	"fmt"

	"example.com/a"
	"example.com/incompat"
	"example.com/old"
	_ "gopkg.in/fixture.v1"
)

func main() { fmt.Println(a.A(), incompat.V(), old.Old()) }
