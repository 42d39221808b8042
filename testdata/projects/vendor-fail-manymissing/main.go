package main

import _ "example.com/v/outer"

func main() {}
