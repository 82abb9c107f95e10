package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"kurz/app"
)

const adminUsage = `usage: kurz admin COMMAND --region R [--data DIR] [--db R=postgres://…] [--json] …

  create-admin --handle H --email E --country C --birth-date YYYY-MM-DD [--url URL]
                                       sign up the first admin through the running server at URL,
                                       grant admin in R and print a one-time link to set a password
  grant --handle H --role ROLE         give moderator, admin or privacy in R (audited)
  revoke --handle H --role ROLE        take it away (audited)
  roles                                list R's staff roles
  accounts [--after ID] [--limit N]    list R's people (no personal fields)
  suspend --handle H --reason TEXT --until YYYY-MM-DD [--category C] [--law TEXT]
                                       suspend an account: sessions end, sign-in refused,
                                       a statement of reasons goes to the person
  terminate --handle H --reason TEXT [--category C] [--law TEXT]
                                       end an account for good (DSA termination, with statement)
  videos [--handle H] [--status S]     list a person's videos, or R's videos in a status (ready)
  remove-video --id ID --reason TEXT [--category C] [--law TEXT]
                                       take a video down everywhere, with a statement of reasons
  queue                                job queue by queue and state, open moderation items
  reset-password --handle H [--url URL] [--ttl 1h]
                                       print a one-time link that sets a new password (audited)

Decisions name the operator ("operator:" and the login name) as decider
and can be appealed like a moderator's. The category defaults to
STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE; --law names the law broken
(otherwise the terms of service are the ground).`

// admin runs "kurz admin COMMAND".
func admin(args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Println(adminUsage)
		return nil
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "grant":
		return adminGrant(args)
	case "revoke", "roles", "accounts", "suspend", "terminate", "videos", "remove-video", "queue", "reset-password", "create-admin":
	default:
		return fmt.Errorf("unknown admin command %q (try: kurz admin help)", cmd)
	}
	var (
		handle, role, reason, category, law, until, after, id, status, site string
		limit                                                               int
		ttl                                                                 time.Duration
		asJSON                                                              bool
		first                                                               app.FirstAdmin
	)
	_, c, err := openRegion("admin "+cmd, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
		switch cmd {
		case "revoke":
			fs.StringVar(&handle, "handle", "", "the person's handle")
			fs.StringVar(&role, "role", "", "moderator, admin or privacy")
		case "accounts":
			fs.StringVar(&after, "after", "", "list from after this person's ID")
			fs.IntVar(&limit, "limit", 100, "at most this many")
		case "suspend", "terminate", "remove-video":
			if cmd == "remove-video" {
				fs.StringVar(&id, "id", "", "the video's ID")
			} else {
				fs.StringVar(&handle, "handle", "", "the person's handle")
			}
			fs.StringVar(&reason, "reason", "", "the explanation the person receives (required)")
			fs.StringVar(&category, "category", "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", "DSA statement category")
			fs.StringVar(&law, "law", "", "the law broken (default: the terms of service)")
			if cmd == "suspend" {
				fs.StringVar(&until, "until", "", "end of the suspension, YYYY-MM-DD (at most two years ahead; longer is terminate)")
			}
		case "create-admin":
			fs.StringVar(&handle, "handle", "", "the admin's handle")
			fs.StringVar(&first.Email, "email", "", "the admin's email")
			fs.StringVar(&first.Country, "country", "", "the admin's country (ISO code; it decides the home region, which must be --region)")
			fs.StringVar(&first.BirthDate, "birth-date", "", "the admin's birth date, YYYY-MM-DD")
			fs.StringVar(&site, "url", "http://127.0.0.1:8080", "the running server's public address")
			fs.DurationVar(&ttl, "ttl", 24*time.Hour, "how long the password link works (at most 168h)")
		case "reset-password":
			fs.StringVar(&handle, "handle", "", "the person's handle")
			fs.StringVar(&site, "url", "http://127.0.0.1:8080", "the site's public address")
			fs.DurationVar(&ttl, "ttl", time.Hour, "how long the link works (at most 168h)")
		case "videos":
			fs.StringVar(&handle, "handle", "", "the person's handle")
			fs.StringVar(&status, "status", "", "uploading, processing, ready, failed, removed or held")
		}
	})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	why := app.Reasons{Explanation: reason, Category: category, LegalGround: law}
	if until != "" {
		if why.Until, err = time.Parse(time.DateOnly, until); err != nil {
			return fmt.Errorf("--until: want a date like 2027-01-31")
		}
	}
	switch cmd {
	case "revoke":
		if err := app.RevokeRole(ctx, c, handle, role); err != nil {
			return err
		}
		fmt.Printf("revoked %s in %s from @%s\n", role, c.Region, strings.TrimPrefix(handle, "@"))
		return nil
	case "roles":
		rows, err := app.ListRoles(ctx, c)
		return show(asJSON, rows, err, "HANDLE\tUSER ID\tROLE\tGRANTED BY\tGRANTED AT", func(r app.RoleRow) string {
			return fmt.Sprintf("@%s\t%s\t%s\t%s\t%s", r.Handle, r.UserID, r.Role, r.GrantedBy, r.GrantedAt.Format(time.DateTime))
		})
	case "accounts":
		rows, err := app.ListAccounts(ctx, c, after, limit)
		return show(asJSON, rows, err, "USER ID\tHANDLE\tSIGNED UP\tVIDEOS\tROLES\tSUSPENDED UNTIL", func(r app.AccountRow) string {
			susp := ""
			if !r.SuspendedUntil.IsZero() {
				susp = r.SuspendedUntil.Format(time.DateOnly)
			}
			return fmt.Sprintf("%s\t@%s\t%s\t%d\t%s\t%s", r.UserID, r.Handle, r.CreatedAt.Format(time.DateOnly), r.Videos, strings.Join(r.Roles, ","), susp)
		})
	case "videos":
		rows, err := app.ListVideos(ctx, c, handle, status)
		return show(asJSON, rows, err, "VIDEO ID\tOWNER\tSTATUS\tVISIBILITY\tVIEWS\tCREATED", func(r app.VideoRow) string {
			return fmt.Sprintf("%s\t@%s\t%s\t%s\t%d\t%s", r.ID, r.Owner, r.Status, r.Visible, r.Views, r.CreatedAt.Format(time.DateTime))
		})
	case "suspend", "terminate", "remove-video":
		var st any
		if cmd == "remove-video" {
			st, err = app.RemoveVideo(ctx, c, id, why)
		} else {
			st, err = app.SuspendAccount(ctx, c, handle, cmd == "terminate", why)
		}
		if err != nil {
			return err
		}
		fmt.Printf("%s done in %s; statement of reasons sent:\n", cmd, c.Region)
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	case "queue":
		st, err := app.Queues(ctx, c)
		if err != nil {
			return err
		}
		if asJSON {
			return printJSON(st)
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "JOB QUEUE\tSTATE\tJOBS")
		for _, j := range st.Jobs {
			fmt.Fprintf(w, "%s\t%s\t%d\n", j.Queue, j.State, j.Jobs)
		}
		fmt.Fprintln(w, "\nMODERATION (open)\t\tITEMS")
		for k, n := range st.Moderation {
			fmt.Fprintf(w, "%s\t\t%d\n", k, n)
		}
		if !st.Oldest.IsZero() {
			fmt.Fprintf(w, "oldest open item\t\t%s\n", st.Oldest.Format(time.DateTime))
		}
		return w.Flush()
	case "reset-password", "create-admin":
		var link string
		var exp time.Time
		if cmd == "create-admin" {
			first.Handle = handle
			link, exp, err = app.CreateAdmin(ctx, c, site, first, ttl)
		} else {
			link, exp, err = app.ResetPasswordLink(ctx, c, handle, site, ttl)
		}
		if err != nil {
			return err
		}
		if cmd == "create-admin" {
			fmt.Printf("created @%s, admin in %s\n", strings.TrimPrefix(handle, "@"), c.Region)
		}
		fmt.Printf("one-time link for @%s, valid until %s; give it to them by a channel you trust:\n%s\n",
			strings.TrimPrefix(handle, "@"), exp.Local().Format(time.DateTime+" MST"), link)
		return nil
	}
	return fmt.Errorf("unknown admin command %q (try: kurz admin help)", cmd)
}

// show prints rows as a table, or as JSON with asJSON.
func show[T any](asJSON bool, rows []T, err error, header string, line func(T) string) error {
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(rows)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, header)
	for _, r := range rows {
		fmt.Fprintln(w, line(r))
	}
	return w.Flush()
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
