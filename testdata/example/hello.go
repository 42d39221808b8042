// Command hello is modsnap's example project: a small program with a real
// dependency graph (rsc.io/quote → rsc.io/sampler → golang.org/x/text).
package main

import (
	"fmt"

	"rsc.io/quote"
)

func main() {
	fmt.Println(quote.Hello())
}
