package main

import _ "example.com/v/local"

func main() {}
