package main

// Two packages nothing provides: the go command reports both (and with
// -e vendors the rest).
import (
	_ "example.com/nomod/pkg"
	_ "example.com/v/outer/nothere"
)
