package onlytests

import (
	"testing"

	"example.com/v/tags"
)

func TestHello(t *testing.T) { _ = tags.Hello() }
