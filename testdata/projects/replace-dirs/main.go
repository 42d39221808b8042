// Command dirs is a fixture for local-directory replacements in a pruned
// graph: example.com/w (replaced by ./w) requires example.com/x (replaced by
// ./x), which requires example.com/r, a module no proxy has. The go command
// never reads x's go.mod (w is pruned and x provides no package), so it
// never asks for x or r.
package main

import (
	"fmt"

	"example.com/w"
)

func main() { fmt.Println(w.W()) }
