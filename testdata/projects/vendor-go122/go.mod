module example.com/vp/go122

go 1.22

require (
	example.com/v/emb v1.0.0
	example.com/v/outer v1.0.0
	example.com/v/tags v1.0.0
)

require example.com/v/testonly v1.0.0 // indirect
