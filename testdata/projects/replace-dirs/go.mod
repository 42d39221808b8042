module example.com/dirs

go 1.21

require example.com/w v1.0.0

replace (
	example.com/w v1.0.0 => ./w
	example.com/x v1.0.0 => ./x
)
