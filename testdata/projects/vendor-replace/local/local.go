package local

import (
	"embed"

	_ "example.com/v/local/sub"
)

//go:embed data/*
var D embed.FS

// L is a value.
const L = 1
