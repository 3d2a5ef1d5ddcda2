package http

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/claims/identity"
)

// UserRequest is the body of POST /api/v1/users.
type UserRequest struct {
	Email    string `json:"email" validate:"required"`
	Name     string `json:"name" validate:"required"`
	Role     string `json:"role" validate:"required,role"`
	Password string `json:"password" validate:"required"`
}

// UserPatch is the body of PATCH /api/v1/users/{id}.
type UserPatch struct {
	Name     *string `json:"name"`
	Role     *string `json:"role" validate:"omitempty,role"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
}

// UserResponse is a user; password hashes never leave the server.
type UserResponse struct {
	ID        ID     `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Disabled  bool   `json:"disabled"`
	CreatedAt Time   `json:"created_at"`
	UpdatedAt Time   `json:"updated_at"`
}

func userResponse(u *identity.User) UserResponse {
	return UserResponse{
		ID: ID(u.ID), Email: u.Email, Name: u.Name, Role: string(u.Role), Disabled: u.DisabledAt != nil,
		CreatedAt: Time{u.CreatedAt}, UpdatedAt: Time{u.UpdatedAt},
	}
}

// TokenRequest is the body of POST /api/v1/users/{id}/tokens.
type TokenRequest struct {
	Name string `json:"name"`
}

// TokenResponse describes a token; Token, the secret, is present only in the answer to its
// creation. CreatedBy and CreatedByCLI name who made it, and so saw its secret: an admin,
// the command-line operator (user@host), both when the admin acted through a token the
// command line made, or neither for a token Verity made itself.
type TokenResponse struct {
	ID           ID      `json:"id"`
	UserID       ID      `json:"user_id"`
	Name         string  `json:"name"`
	CreatedBy    *ID     `json:"created_by"`
	CreatedByCLI *string `json:"created_by_cli"`
	CreatedAt    Time    `json:"created_at"`
	LastUsedAt   *Time   `json:"last_used_at"`
	RevokedAt    *Time   `json:"revoked_at"`
	Token        string  `json:"token,omitempty"`
}

func tokenResponse(t *identity.Token) TokenResponse {
	return TokenResponse{
		ID: ID(t.ID), UserID: ID(t.UserID), Name: t.Name, CreatedBy: ptrID(t.CreatedBy), CreatedByCLI: t.CreatedByCLI,
		CreatedAt: Time{t.CreatedAt}, LastUsedAt: fromTimePtr(t.LastUsedAt), RevokedAt: fromTimePtr(t.RevokedAt),
	}
}

func (s *Server) listUsers(c *gin.Context) error {
	q := newQuery(c)
	f := identity.UserFilter{Role: identity.Role(q.str("role"))}
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	f.AfterID, f.Limit = p.afterID(), p.limit
	users, more, err := s.identity.FindUsers(c.Request.Context(), f)
	if err != nil {
		return err
	}
	out := make([]UserResponse, len(users))
	for i, u := range users {
		out[i] = userResponse(u)
	}
	c.JSON(http.StatusOK, newPage(p, out, more, func(r UserResponse) []int64 { return byID(int64(r.ID)) }))
	return nil
}

func (s *Server) createUser(c *gin.Context) error {
	var req UserRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.identity.CreateUser(c.Request.Context(), actorOf(c), identity.NewUser{
		Email: req.Email, Name: req.Name, Role: identity.Role(req.Role), Password: req.Password,
	})
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/users/%d", u.ID))
	c.JSON(http.StatusCreated, userResponse(u))
	return nil
}

func (s *Server) getUser(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "user")
	if err != nil {
		return err
	}
	u, err := s.identity.FindUserByID(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, userResponse(u))
	return nil
}

func (s *Server) updateUser(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "user")
	if err != nil {
		return err
	}
	var req UserPatch
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u := identity.UserUpdate{Name: req.Name, Disabled: req.Disabled, Password: req.Password}
	if req.Role != nil {
		r := identity.Role(*req.Role)
		u.Role = &r
	}
	user, err := s.identity.UpdateUser(c.Request.Context(), actorOf(c), id, u)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, userResponse(user))
	return nil
}

func (s *Server) listTokens(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "user")
	if err != nil {
		return err
	}
	q := newQuery(c)
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	// FindTokens answers NotFound for a missing user itself.
	tokens, more, err := s.identity.FindTokens(c.Request.Context(), id, p.afterID(), p.limit)
	if err != nil {
		return err
	}
	out := make([]TokenResponse, len(tokens))
	for i, t := range tokens {
		out[i] = tokenResponse(t)
	}
	c.JSON(http.StatusOK, newPage(p, out, more, func(r TokenResponse) []int64 { return byID(int64(r.ID)) }))
	return nil
}

func (s *Server) createToken(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "user")
	if err != nil {
		return err
	}
	var req TokenRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	t, secret, err := s.identity.CreateToken(c.Request.Context(), actorOf(c), id, req.Name)
	if err != nil {
		return err
	}
	out := tokenResponse(t)
	out.Token = secret
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, out)
	return nil
}

func (s *Server) revokeToken(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "user")
	if err != nil {
		return err
	}
	tokenID, err := parseID(c.Param("token_id"), "token")
	if err != nil {
		return err
	}
	t, err := s.identity.RevokeToken(c.Request.Context(), actorOf(c), id, tokenID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, tokenResponse(t))
	return nil
}
