module example.com/untidy

go 1.22

require (
	example.com/Upper/Case v1.0.0
	example.com/a v1.0.0
	example.com/based/v3 v3.2.4-0.20230405060708-0123456789ab
	example.com/incompat v2.0.0+incompatible
	example.com/major/v2 v2.3.4
	example.com/old v1.0.0
	example.com/unicode v1.1.0-Beta.2
	gopkg.in/fixture.v1 v1.0.1
)

require (
	example.com/b v1.1.0 // indirect
)
