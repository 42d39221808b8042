module example.com/ws/app

go 1.22

require (
	example.com/a v1.0.0
	example.com/ws/lib v0.0.0
)

require (
	example.com/Upper/Case v1.0.0 // indirect
	example.com/b v1.0.0 // indirect
)

replace example.com/ws/lib => ../lib
