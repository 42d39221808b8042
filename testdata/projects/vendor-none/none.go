// Package none has no dependencies: go mod vendor says "no dependencies
// to vendor" and leaves no vendor directory.
package none
