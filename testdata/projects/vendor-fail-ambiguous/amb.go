package main

import _ "example.com/v/amb/sub"
