package main

import _ "example.com/v/badembed"

func main() {}
