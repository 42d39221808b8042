package main

import _ "example.com/v/outer/nothere"
