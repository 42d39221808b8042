module example.com/replace

go 1.21

require (
	example.com/excl v1.1.0
	example.com/excluser v1.0.0
	example.com/local v0.0.0
	example.com/orig v1.0.0
)

require example.com/d v1.0.0 // indirect

exclude example.com/excl v1.2.0

replace example.com/orig v1.0.0 => example.com/fork v1.0.1

replace example.com/local => ./local
