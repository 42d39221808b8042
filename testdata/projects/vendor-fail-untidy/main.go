// Command untidy is the pruned fixture with one `// indirect` requirement
// removed from go.mod: example.com/old (go 1.16) imports example.com/e,
// which go.mod no longer lists, so the go command (go >= 1.17) refuses to
// build or vendor it until `go mod tidy` adds it back.
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
