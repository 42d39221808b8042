module example.com/vp/ambiguous

go 1.22

require (
	example.com/v/amb v1.0.0
	example.com/v/amb/sub v1.0.0
)
