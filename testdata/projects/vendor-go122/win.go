//go:build windows

package main

import _ "notstd/missing"
