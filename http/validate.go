package http

import (
	"errors"
	"reflect"
	"slices"
	"strings"

	"github.com/go-playground/validator/v10"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/provenance"
)

// enums are the validator tags of the domain's fixed lists, so that a request DTO says
// `validate:"claim_kind"` and the list lives in one place, the domain.
func enums() map[string][]string {
	return map[string][]string{
		"claim_kind":  strs(claims.Kinds()),
		"status":      strs(claims.Statuses()),
		"action":      strs(claims.Actions()),
		"stance":      strs(claims.Stances()),
		"role":        strs(identity.Roles()),
		"source_kind": strs(provenance.SourceKinds()),
		"reliability": strs(provenance.Reliabilities()),
		"relation":    strs(provenance.Relations()),
	}
}

func strs[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

// newValidator builds the validator for request DTOs; field errors use the JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	for tag, list := range enums() {
		err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool {
			return slices.Contains(list, fl.Field().String())
		})
		if err != nil {
			panic(err) // only for an invalid tag name, fixed above
		}
	}
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			name, _, _ = strings.Cut(f.Tag.Get("form"), ",")
		}
		return name
	})
	return v
}

// validateStruct runs the validate tags of dst and reports every failing field.
func (s *Server) validateStruct(dst any) error {
	err := s.validate.Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fault.Wrap(fault.Internal, err, "validation could not run")
	}
	fields := fault.Fields{}
	for _, fe := range verrs {
		ns := fe.Namespace()
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest // drop the struct's own name
		}
		fields.Add(ns, validationMessage(fe))
	}
	return fields.Err()
}

func validationMessage(fe validator.FieldError) string {
	if list, ok := enums()[fe.Tag()]; ok {
		return fault.OneOf(list)
	}
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		return "must be at least " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "url", "http_url":
		return "must be an absolute http or https URL"
	case "email":
		return "must be an email address"
	case "dive":
		return "is not valid"
	}
	return "is not valid (" + fe.Tag() + ")"
}
