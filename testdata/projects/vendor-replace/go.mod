module example.com/vp/replace

go 1.21

require (
	example.com/v/emb v1.0.0
	example.com/v/local v0.0.0
	example.com/v/orig v1.0.0
	example.com/v/outer v1.0.0
	example.com/v/outer/nested v1.0.0
	stdlike v0.0.0
)

replace example.com/v/orig v1.0.0 => example.com/v/fork v1.1.0

replace example.com/v/local => ./local

replace example.com/v/unused v1.0.0 => ./nowhere

replace stdlike => ./stdlike
