// Command pruned is a fixture project with a pruned module graph (go 1.21):
// upper-case paths, +incompatible, pseudo-versions, a /v2 module, gopkg.in,
// non-ASCII file names, and an unpruned dependency (example.com/old).
package main

import (
	"fmt"

	upper "example.com/Upper/Case"
	"example.com/a"
	based "example.com/based/v3"
	"example.com/incompat"
	major "example.com/major/v2"
	"example.com/old"
	"example.com/unicode"
	_ "gopkg.in/fixture.v1"
)

var _ = based.X

func main() {
	fmt.Println(upper.Hello(), a.A(), incompat.V(), major.M(), old.Old(), unicode.U)
}
