// Command benchgraphsmall gives modsnap's benchmarks a smaller real module
// graph (about 50 module versions) to compare peak memory against. It is never run.
package main

import (
	"fmt"

	_ "github.com/gin-gonic/gin"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/spf13/cobra"
)

func main() { fmt.Println("modsnap small bench project") }
