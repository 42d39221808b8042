package main

import (
	_ "example.com/v/emb"
	_ "example.com/v/outer"
	_ "example.com/vp/go122/internal/x"
)

func main() {}
