package main

import _ "example.com/v/badheader"

func main() {}
