// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// A stand-in for k8s.io/cri-api/pkg/apis/runtime/v1alpha2, which no
// Debian suite ships (trixie's golang-github-kubernetes-cri-api-dev has
// only runtime/v1).  The stargz snapshotter's service/resolver imports it
// for one type, the credentials a CRI ImageService request carries; our
// daemon serves no CRI, so only the type's fields have to exist.
package v1alpha2

// AuthConfig holds the credentials of one registry, as CRI sends them.
type AuthConfig struct {
	Username      string
	Password      string
	Auth          string
	ServerAddress string
	IdentityToken string
	RegistryToken string
}
