module example.com/vw/app

go 1.22

require (
	example.com/v/local v0.0.0
	example.com/v/orig v1.0.0
	example.com/vw/lib v0.0.0
)

replace example.com/vw/lib => ../lib

replace example.com/v/local => ../local
