package main

import (
	_ "example.com/v/amb"
	_ "example.com/v/amb/sub/other"
)

func main() {}
