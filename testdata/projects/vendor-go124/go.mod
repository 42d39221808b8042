module example.com/vp/go124

go 1.24

tool example.com/v/tool/cmd/tl

require example.com/v/tool v1.0.0 // indirect
