// Command app is the main package of a go.work workspace fixture.
package main

import (
	"fmt"

	"example.com/a"
	"example.com/ws/lib"
)

func main() { fmt.Println(a.A(), lib.L()) }
