module example.com/unpruned

go 1.16

require (
	example.com/a v1.0.0
	example.com/incompat v2.0.0+incompatible
	example.com/old v1.0.0
	gopkg.in/fixture.v1 v1.0.1
)
