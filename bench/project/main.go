// Command benchgraph exists only to give modsnap's benchmarks a large, real
// module graph. It is never run.
package main

import (
	"fmt"

	_ "cloud.google.com/go/storage"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/gin-gonic/gin"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/spf13/cobra"
	_ "go.opentelemetry.io/otel/sdk/trace"
	_ "google.golang.org/grpc"
	_ "helm.sh/helm/v3/pkg/action"
	_ "k8s.io/client-go/kubernetes"
)

func main() { fmt.Println("modsnap bench project") }
