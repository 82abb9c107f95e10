package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"kurz"
)

// Languages the pages are written in; the first is the fallback.
var languages = []string{"en", "de"}

// LangCookie remembers the language picked with the EN/DE switch.
const LangCookie = "lang"

// messages is the catalogue. Keys starting with "js." are also handed to
// the scripts (in the page's JSON block). TestCatalogue checks that every
// language has every key.
var messages = map[string]map[string]string{
	"en": {
		"site.tagline":               "Short videos",
		"nav.feed":                   "Feed",
		"nav.upload":                 "Upload",
		"nav.signin":                 "Sign in",
		"nav.signup":                 "Sign up",
		"nav.signout":                "Sign out",
		"nav.profile":                "Your profile",
		"nav.language":               "Language",
		"nav.skip":                   "Skip to content",
		"legal.about":                "About",
		"legal.terms":                "Terms",
		"legal.privacy":              "Privacy",
		"legal.imprint":              "Imprint",
		"reset.title":                "Set a new password",
		"reset.password":             "New password (at least 8 characters)",
		"reset.submit":               "Set password",
		"reset.done":                 "Your new password is set. You were signed out everywhere; sign in with it now.",
		"feed.title":                 "For You",
		"feed.foryou":                "For You",
		"feed.following":             "Following",
		"feed.popular":               "Popular",
		"feed.newest":                "Newest",
		"nav.settings":               "Settings",
		"settings.title":             "Settings",
		"settings.feed":              "Your feed",
		"settings.personalized":      "Personalised For You feed",
		"settings.personalized_hint": "On: For You is ranked from what you watch, like and follow, in your home region. Off: you get Popular and Newest, which are the same for everyone and use none of your activity.",
		"feed.tabs":                  "Feed",
		"feed.noscript":              "The feed needs JavaScript. Videos can still be opened one by one from profiles and hashtags.",
		"upload.title":               "Upload a video",
		"upload.pick":                "Choose a video or drop it here",
		"upload.file":                "Video file",
		"upload.caption":             "Caption",
		"upload.caption_hint":        "Use #hashtags and @handles. Up to 2200 characters.",
		"upload.visibility":          "Who can watch",
		"upload.public":              "Everyone",
		"upload.private":             "Only me",
		"upload.submit":              "Upload",
		"upload.progress":            "Upload progress",
		"profile.followers":          "Followers",
		"profile.following":          "Following",
		"profile.likes":              "Likes",
		"profile.videos":             "Videos",
		"profile.edit":               "Edit profile",
		"profile.display":            "Display name",
		"profile.bio":                "Bio",
		"profile.save":               "Save",
		"profile.private":            "This account is private.",
		"profile.empty":              "No videos yet.",
		"profile.avatar":             "Avatar of %s",
		"video.title":                "Video by @%s",
		"video.processing":           "This video is still being processed.",
		"video.failed":               "This video could not be processed.",
		"video.private":              "Only you can see this video.",
		"video.open":                 "Watch on kurz",
		"video.views":                "views",
		"tag.title":                  "#%s",
		"tag.empty":                  "No videos with this hashtag yet.",
		"grid.more":                  "More",
		"signin.title":               "Sign in",
		"signin.login":               "Handle or email",
		"signin.password":            "Password",
		"signin.submit":              "Sign in",
		"signin.noaccount":           "No account yet?",
		"signup.title":               "Create an account",
		"signup.handle":              "Handle",
		"signup.handle_hint":         "3 to 24 characters: a-z, 0-9, _ and .",
		"signup.email":               "Email",
		"signup.password":            "Password",
		"signup.password_hint":       "At least 10 characters.",
		"signup.birth_date":          "Birth date",
		"signup.country":             "Country",
		"signup.country_pick":        "Choose your country",
		"signup.country_hint":        "Your data is stored in the region of your country.",
		"signup.submit":              "Sign up",
		"signup.haveaccount":         "Already have an account?",
		"notfound.title":             "Not found",
		"notfound.text":              "This page does not exist, or is not visible to you.",
		"error.title":                "Something went wrong",
		"error.text":                 "Please try again in a moment.",
		"home":                       "Back to the feed",

		"js.like":                 "Like",
		"js.unlike":               "Unlike",
		"js.comments":             "Comments",
		"js.share":                "Share",
		"js.follow":               "Follow",
		"js.unfollow":             "Unfollow",
		"js.following":            "Following",
		"js.unmute":               "Tap to unmute",
		"js.mute":                 "Mute",
		"js.sound_on":             "Turn sound on",
		"js.play":                 "Play",
		"js.pause":                "Pause",
		"js.copied":               "Link copied",
		"js.close":                "Close",
		"js.comment_ph":           "Add a comment…",
		"js.send":                 "Send",
		"js.delete":               "Delete",
		"js.no_comments":          "No comments yet. Be the first.",
		"js.more":                 "More",
		"js.empty_foryou":         "Nothing to watch yet. Upload the first video!",
		"js.empty_follow":         "Videos of people you follow show up here.",
		"js.caught_up":            "You're all caught up.",
		"js.caught_up_seen":       "You're all caught up. Here is what you've seen before.",
		"js.seen":                 "You've seen this",
		"js.why":                  "Why am I seeing this?",
		"js.why_followed_creator": "You follow @%s.",
		"js.why_liked_creator":    "You liked videos by @%s.",
		"js.why_liked_hashtag":    "You liked videos with #%s.",
		"js.why_trending":         "Trending on kurz right now: many views, likes and comments for its age.",
		"js.why_exploration":      "Something new that few people have seen yet, outside what you usually watch.",
		"js.why_popular":          "Popular on kurz. This feed is the same for everyone and uses none of your activity.",
		"js.why_newest":           "Newest first. This feed is the same for everyone and uses none of your activity.",
		"js.why_following":        "From @%s, whom you follow.",
		"js.why_settings":         "Change in settings",
		"js.load_error":           "Could not load. Check your connection.",
		"js.retry":                "Retry",
		"js.error":                "Something went wrong. Please try again.",
		"js.uploading":            "Uploading… %s",
		"js.paused":               "Paused at %s",
		"js.pause_upload":         "Pause",
		"js.resume_upload":        "Resume",
		"js.processing":           "Processing your video… This takes a moment.",
		"js.ready":                "Your video is ready.",
		"js.view_video":           "Open the video page",
		"js.failed":               "Processing failed: %s",
		"js.resumable":            "Unfinished upload: %s. Choose the same file again to continue where it stopped.",
		"js.no_file":              "Choose a video first.",
		"js.not_video":            "This file is not a video.",
		"js.saved":                "Saved",
		"js.offline":              "Connection lost; retrying…",
		"js.video_of":             "Video by @%s",

		"mod.title":                  "Moderation queue",
		"moditem.title":              "Queue item",
		"modaudit.title":             "Access audit log",
		"mod.nav":                    "Moderation",
		"mod.queue":                  "Queue",
		"mod.audit":                  "Audit log",
		"mod.transparency":           "Transparency",
		"mod.region":                 "Region",
		"mod.show":                   "Show",
		"mod.refresh":                "Refresh",
		"mod.more":                   "Show more",
		"mod.claim":                  "Your claim",
		"mod.release":                "Release for another moderator",
		"mod.noscript":               "The moderation tools need JavaScript.",
		"mod.col_kind":               "Kind",
		"mod.col_category":           "Category",
		"mod.col_reports":            "Reports",
		"mod.col_priority":           "Priority",
		"mod.col_status":             "Status",
		"mod.col_age":                "Age",
		"mod.col_open":               "Open the item",
		"mod.content":                "Reported content",
		"mod.target":                 "Target",
		"mod.created":                "Received",
		"mod.explanation":            "Explanation given",
		"mod.prior":                  "Prior decisions",
		"mod.decide":                 "Decision",
		"mod.action":                 "Action",
		"mod.action.remove":          "Remove",
		"mod.action.restrict":        "Restrict in some countries",
		"mod.action.age_restrict":    "Age-restrict (18+)",
		"mod.action.reduce_reach":    "Reduce reach (not in For You)",
		"mod.action.label":           "Label",
		"mod.action.strike":          "Strike the account",
		"mod.action.suspend":         "Suspend the account",
		"mod.action.terminate":       "Terminate the account",
		"mod.action.no_action":       "No action",
		"mod.action.uphold":          "Uphold the decision",
		"mod.action.reverse":         "Reverse the decision",
		"mod.ground":                 "Ground",
		"mod.ground_terms":           "Incompatible with the terms of service",
		"mod.ground_illegal":         "Illegal content",
		"mod.legal_ground":           "Legal ground (the law the content breaks)",
		"mod.scope":                  "Territorial scope",
		"mod.scope_hint":             "Country codes separated by spaces, e.g. DE FR. Empty means everywhere.",
		"mod.end_date":               "End date",
		"mod.block_media":            "Add this video to the known-bad media list",
		"mod.appeal_hint":            "An appeal keeps the original ground. Decide whether the original decision stands.",
		"mod.explanation_field":      "Explanation for the person affected",
		"mod.facts":                  "Facts and circumstances",
		"mod.submit":                 "Decide",
		"mod.statement":              "Statement of reasons",
		"mod.back":                   "Back to the queue",
		"mod.personal":               "Look at personal data",
		"mod.personal_hint":          "Every look is written to the audit log with your reason.",
		"mod.handle":                 "Handle",
		"mod.reason":                 "Reason",
		"mod.look":                   "Show personal data",
		"mod.grant":                  "Grant a staff role",
		"mod.grant_hint":             "Admins of this region give moderator, privacy officer or admin rights here; every grant is audited.",
		"mod.role":                   "Role",
		"mod.role_moderator":         "Moderator",
		"mod.role_privacy":           "Privacy officer",
		"mod.role_admin":             "Admin",
		"mod.grant_button":           "Grant",
		"mod.id":                     "ID",
		"mod.email":                  "Email",
		"mod.country":                "Country",
		"mod.entries":                "Entries",
		"mod.col_at":                 "Time",
		"mod.col_actor":              "Staff member",
		"mod.col_subject":            "Person concerned",
		"mod.col_access":             "Access",
		"mod.col_fields":             "Fields",
		"transparency.title":         "Transparency: statements of reasons",
		"transparency.intro":         "Every moderation decision on kurz, in the fields of the EU Digital Services Act transparency database. The export contains no personal data.",
		"transparency.from":          "From",
		"transparency.to":            "To",
		"transparency.filter":        "Filter",
		"transparency.noscript":      "The table needs JavaScript. The statements are also available as",
		"transparency.col_date":      "Date",
		"transparency.col_decision":  "Decision",
		"transparency.col_ground":    "Ground",
		"transparency.col_content":   "Content",
		"transparency.col_scope":     "Territory",
		"transparency.col_automated": "Automated",
		"transparency.col_id":        "Statement",
		"transparency.json":          "Download as JSON",

		"js.mod_loading":              "Loading…",
		"js.mod_empty":                "The queue is empty.",
		"js.mod_claim":                "Claim",
		"js.mod_forbidden":            "You have no staff role for this region.",
		"js.mod_not_here":             "This region is not served by this server.",
		"js.mod_conflict":             "Another moderator is working on this item, or it has been decided.",
		"js.mod_kind_notice":          "Notice",
		"js.mod_kind_appeal":          "Appeal",
		"js.mod_status_open":          "Open",
		"js.mod_status_claimed":       "Claimed",
		"js.mod_status_decided":       "Decided",
		"js.mod_status_waiting":       "Waiting",
		"js.mod_status_resolved":      "Resolved",
		"js.mod_kind_hold":            "Review hold",
		"js.mod_claimed_until":        "until %s",
		"js.mod_conflict_of_interest": "Not for you: %s",
		"js.mod_released":             "Released; another moderator can take it.",
		"js.mod_gone":                 "The content is no longer available.",
		"js.mod_account":              "Account %s",
		"js.mod_comment_by":           "Comment by @%s",
		"js.mod_no_prior":             "No prior decisions.",
		"js.mod_no_explanation":       "No explanation given.",
		"js.mod_verified":             "Hash chain verified: %s entries",
		"js.mod_broken":               "Hash chain broken after %s entries",
		"js.mod_no_entries":           "No entries.",
		"js.mod_no_statements":        "No statements of reasons in this period.",
		"js.mod_decided":              "Decision recorded. The statement of reasons went to the people concerned.",
		"js.mod_appeal_of":            "Appeal against decision %s",
		"js.mod_need_handle":          "Enter a handle.",
		"js.mod_looked":               "Your look was written to the audit log.",
		"js.mod_granted":              "Role granted; the grant is in the audit log.",
	},
	"de": {
		"site.tagline":               "Kurze Videos",
		"nav.feed":                   "Feed",
		"nav.upload":                 "Hochladen",
		"nav.signin":                 "Anmelden",
		"nav.signup":                 "Registrieren",
		"nav.signout":                "Abmelden",
		"nav.profile":                "Dein Profil",
		"nav.language":               "Sprache",
		"nav.skip":                   "Zum Inhalt springen",
		"legal.about":                "Über uns",
		"legal.terms":                "Nutzungsbedingungen",
		"legal.privacy":              "Datenschutz",
		"legal.imprint":              "Impressum",
		"reset.title":                "Neues Passwort setzen",
		"reset.password":             "Neues Passwort (mindestens 8 Zeichen)",
		"reset.submit":               "Passwort setzen",
		"reset.done":                 "Dein neues Passwort ist gesetzt. Du wurdest überall abgemeldet; melde dich jetzt damit an.",
		"feed.title":                 "Für dich",
		"feed.foryou":                "Für dich",
		"feed.following":             "Folge ich",
		"feed.popular":               "Beliebt",
		"feed.newest":                "Neu",
		"nav.settings":               "Einstellungen",
		"settings.title":             "Einstellungen",
		"settings.feed":              "Dein Feed",
		"settings.personalized":      "Personalisierter Für-dich-Feed",
		"settings.personalized_hint": "An: Für dich wird nach dem sortiert, was du ansiehst, likest und wem du folgst, in deiner Heimatregion. Aus: Du bekommst Beliebt und Neu, die für alle gleich sind und nichts von deiner Aktivität nutzen.",
		"feed.tabs":                  "Feed",
		"feed.noscript":              "Der Feed braucht JavaScript. Einzelne Videos lassen sich trotzdem über Profile und Hashtags öffnen.",
		"upload.title":               "Video hochladen",
		"upload.pick":                "Video auswählen oder hierher ziehen",
		"upload.file":                "Videodatei",
		"upload.caption":             "Beschreibung",
		"upload.caption_hint":        "Mit #Hashtags und @Handles. Bis zu 2200 Zeichen.",
		"upload.visibility":          "Wer darf es sehen",
		"upload.public":              "Alle",
		"upload.private":             "Nur ich",
		"upload.submit":              "Hochladen",
		"upload.progress":            "Fortschritt des Uploads",
		"profile.followers":          "Follower",
		"profile.following":          "Folge ich",
		"profile.likes":              "Likes",
		"profile.videos":             "Videos",
		"profile.edit":               "Profil bearbeiten",
		"profile.display":            "Anzeigename",
		"profile.bio":                "Über mich",
		"profile.save":               "Speichern",
		"profile.private":            "Dieses Konto ist privat.",
		"profile.empty":              "Noch keine Videos.",
		"profile.avatar":             "Avatar von %s",
		"video.title":                "Video von @%s",
		"video.processing":           "Dieses Video wird noch verarbeitet.",
		"video.failed":               "Dieses Video konnte nicht verarbeitet werden.",
		"video.private":              "Nur du kannst dieses Video sehen.",
		"video.open":                 "Auf kurz ansehen",
		"video.views":                "Aufrufe",
		"tag.title":                  "#%s",
		"tag.empty":                  "Noch keine Videos mit diesem Hashtag.",
		"grid.more":                  "Mehr",
		"signin.title":               "Anmelden",
		"signin.login":               "Handle oder E-Mail",
		"signin.password":            "Passwort",
		"signin.submit":              "Anmelden",
		"signin.noaccount":           "Noch kein Konto?",
		"signup.title":               "Konto erstellen",
		"signup.handle":              "Handle",
		"signup.handle_hint":         "3 bis 24 Zeichen: a-z, 0-9, _ und .",
		"signup.email":               "E-Mail",
		"signup.password":            "Passwort",
		"signup.password_hint":       "Mindestens 10 Zeichen.",
		"signup.birth_date":          "Geburtsdatum",
		"signup.country":             "Land",
		"signup.country_pick":        "Land auswählen",
		"signup.country_hint":        "Deine Daten werden in der Region deines Landes gespeichert.",
		"signup.submit":              "Registrieren",
		"signup.haveaccount":         "Schon ein Konto?",
		"notfound.title":             "Nicht gefunden",
		"notfound.text":              "Diese Seite gibt es nicht, oder du darfst sie nicht sehen.",
		"error.title":                "Etwas ist schiefgelaufen",
		"error.text":                 "Bitte versuche es gleich noch einmal.",
		"home":                       "Zurück zum Feed",

		"js.like":                 "Gefällt mir",
		"js.unlike":               "Gefällt mir nicht mehr",
		"js.comments":             "Kommentare",
		"js.share":                "Teilen",
		"js.follow":               "Folgen",
		"js.unfollow":             "Nicht mehr folgen",
		"js.following":            "Folge ich",
		"js.unmute":               "Tippen für Ton",
		"js.mute":                 "Stumm",
		"js.sound_on":             "Ton einschalten",
		"js.play":                 "Abspielen",
		"js.pause":                "Pausieren",
		"js.copied":               "Link kopiert",
		"js.close":                "Schließen",
		"js.comment_ph":           "Kommentieren …",
		"js.send":                 "Senden",
		"js.delete":               "Löschen",
		"js.no_comments":          "Noch keine Kommentare. Schreib den ersten.",
		"js.more":                 "Mehr",
		"js.empty_foryou":         "Noch nichts zu sehen. Lade das erste Video hoch!",
		"js.empty_follow":         "Hier erscheinen Videos von Leuten, denen du folgst.",
		"js.caught_up":            "Du bist auf dem neuesten Stand.",
		"js.caught_up_seen":       "Du bist auf dem neuesten Stand. Hier ist, was du schon gesehen hast.",
		"js.seen":                 "Schon gesehen",
		"js.why":                  "Warum sehe ich das?",
		"js.why_followed_creator": "Du folgst @%s.",
		"js.why_liked_creator":    "Dir haben Videos von @%s gefallen.",
		"js.why_liked_hashtag":    "Dir haben Videos mit #%s gefallen.",
		"js.why_trending":         "Gerade angesagt auf kurz: viele Aufrufe, Likes und Kommentare für sein Alter.",
		"js.why_exploration":      "Etwas Neues, das erst wenige gesehen haben, abseits von dem, was du sonst ansiehst.",
		"js.why_popular":          "Beliebt auf kurz. Dieser Feed ist für alle gleich und nutzt nichts von deiner Aktivität.",
		"js.why_newest":           "Das Neueste zuerst. Dieser Feed ist für alle gleich und nutzt nichts von deiner Aktivität.",
		"js.why_following":        "Von @%s, dem du folgst.",
		"js.why_settings":         "In den Einstellungen ändern",
		"js.load_error":           "Laden fehlgeschlagen. Prüfe deine Verbindung.",
		"js.retry":                "Erneut versuchen",
		"js.error":                "Etwas ist schiefgelaufen. Bitte versuche es noch einmal.",
		"js.uploading":            "Wird hochgeladen … %s",
		"js.paused":               "Angehalten bei %s",
		"js.pause_upload":         "Anhalten",
		"js.resume_upload":        "Fortsetzen",
		"js.processing":           "Dein Video wird verarbeitet … Das dauert einen Moment.",
		"js.ready":                "Dein Video ist fertig.",
		"js.view_video":           "Zur Videoseite",
		"js.failed":               "Verarbeitung fehlgeschlagen: %s",
		"js.resumable":            "Unvollständiger Upload: %s. Wähle dieselbe Datei erneut, um dort weiterzumachen.",
		"js.no_file":              "Wähle zuerst ein Video aus.",
		"js.not_video":            "Diese Datei ist kein Video.",
		"js.saved":                "Gespeichert",
		"js.offline":              "Verbindung unterbrochen; neuer Versuch …",
		"js.video_of":             "Video von @%s",

		"mod.title":                  "Moderationswarteschlange",
		"moditem.title":              "Eintrag der Warteschlange",
		"modaudit.title":             "Zugriffsprotokoll",
		"mod.nav":                    "Moderation",
		"mod.queue":                  "Warteschlange",
		"mod.audit":                  "Zugriffsprotokoll",
		"mod.transparency":           "Transparenz",
		"mod.region":                 "Region",
		"mod.show":                   "Anzeigen",
		"mod.refresh":                "Aktualisieren",
		"mod.more":                   "Mehr anzeigen",
		"mod.claim":                  "Deine Bearbeitung",
		"mod.release":                "Für andere freigeben",
		"mod.noscript":               "Die Moderationswerkzeuge brauchen JavaScript.",
		"mod.col_kind":               "Art",
		"mod.col_category":           "Kategorie",
		"mod.col_reports":            "Meldungen",
		"mod.col_priority":           "Priorität",
		"mod.col_status":             "Status",
		"mod.col_age":                "Alter",
		"mod.col_open":               "Eintrag öffnen",
		"mod.content":                "Gemeldeter Inhalt",
		"mod.target":                 "Ziel",
		"mod.created":                "Eingegangen",
		"mod.explanation":            "Angegebene Begründung",
		"mod.prior":                  "Frühere Entscheidungen",
		"mod.decide":                 "Entscheidung",
		"mod.action":                 "Maßnahme",
		"mod.action.remove":          "Entfernen",
		"mod.action.restrict":        "In einzelnen Ländern sperren",
		"mod.action.age_restrict":    "Altersbeschränkung (18+)",
		"mod.action.reduce_reach":    "Reichweite verringern (nicht in „Für dich“)",
		"mod.action.label":           "Kennzeichnen",
		"mod.action.strike":          "Verwarnung für das Konto",
		"mod.action.suspend":         "Konto vorübergehend sperren",
		"mod.action.terminate":       "Konto kündigen",
		"mod.action.no_action":       "Keine Maßnahme",
		"mod.action.uphold":          "Entscheidung bestätigen",
		"mod.action.reverse":         "Entscheidung aufheben",
		"mod.ground":                 "Grundlage",
		"mod.ground_terms":           "Verstößt gegen die Nutzungsbedingungen",
		"mod.ground_illegal":         "Rechtswidriger Inhalt",
		"mod.legal_ground":           "Rechtsgrundlage (das verletzte Gesetz)",
		"mod.scope":                  "Räumlicher Geltungsbereich",
		"mod.scope_hint":             "Ländercodes mit Leerzeichen getrennt, z. B. DE FR. Leer heißt überall.",
		"mod.end_date":               "Enddatum",
		"mod.block_media":            "Dieses Video in die Liste bekannter verbotener Medien aufnehmen",
		"mod.appeal_hint":            "Ein Widerspruch behält die ursprüngliche Grundlage. Entscheide, ob die ursprüngliche Entscheidung bestehen bleibt.",
		"mod.explanation_field":      "Begründung für die betroffene Person",
		"mod.facts":                  "Tatsachen und Umstände",
		"mod.submit":                 "Entscheiden",
		"mod.statement":              "Begründung der Entscheidung",
		"mod.back":                   "Zurück zur Warteschlange",
		"mod.personal":               "Personenbezogene Daten ansehen",
		"mod.personal_hint":          "Jeder Zugriff wird mit deinem Grund im Zugriffsprotokoll festgehalten.",
		"mod.handle":                 "Handle",
		"mod.reason":                 "Grund",
		"mod.look":                   "Daten anzeigen",
		"mod.grant":                  "Rolle vergeben",
		"mod.grant_hint":             "Admins dieser Region vergeben hier Moderations-, Datenschutz- oder Admin-Rechte; jede Vergabe wird protokolliert.",
		"mod.role":                   "Rolle",
		"mod.role_moderator":         "Moderation",
		"mod.role_privacy":           "Datenschutz",
		"mod.role_admin":             "Admin",
		"mod.grant_button":           "Vergeben",
		"mod.id":                     "ID",
		"mod.email":                  "E-Mail",
		"mod.country":                "Land",
		"mod.entries":                "Einträge",
		"mod.col_at":                 "Zeit",
		"mod.col_actor":              "Teammitglied",
		"mod.col_subject":            "Betroffene Person",
		"mod.col_access":             "Zugriff",
		"mod.col_fields":             "Felder",
		"transparency.title":         "Transparenz: Begründungen von Moderationsentscheidungen",
		"transparency.intro":         "Jede Moderationsentscheidung auf kurz, in den Feldern der Transparenzdatenbank des EU-Gesetzes über digitale Dienste. Der Export enthält keine personenbezogenen Daten.",
		"transparency.from":          "Von",
		"transparency.to":            "Bis",
		"transparency.filter":        "Filtern",
		"transparency.noscript":      "Die Tabelle braucht JavaScript. Die Begründungen gibt es auch als",
		"transparency.col_date":      "Datum",
		"transparency.col_decision":  "Entscheidung",
		"transparency.col_ground":    "Grundlage",
		"transparency.col_content":   "Inhalt",
		"transparency.col_scope":     "Gebiet",
		"transparency.col_automated": "Automatisiert",
		"transparency.col_id":        "Begründung",
		"transparency.json":          "Als JSON herunterladen",

		"js.mod_loading":              "Wird geladen …",
		"js.mod_empty":                "Die Warteschlange ist leer.",
		"js.mod_claim":                "Übernehmen",
		"js.mod_forbidden":            "Du hast in dieser Region keine Teamrolle.",
		"js.mod_not_here":             "Diese Region wird nicht von diesem Server bedient.",
		"js.mod_conflict":             "Ein anderes Teammitglied bearbeitet diesen Eintrag, oder er ist schon entschieden.",
		"js.mod_kind_notice":          "Meldung",
		"js.mod_kind_appeal":          "Widerspruch",
		"js.mod_status_open":          "Offen",
		"js.mod_status_claimed":       "In Bearbeitung",
		"js.mod_status_decided":       "Entschieden",
		"js.mod_status_waiting":       "Wartet",
		"js.mod_status_resolved":      "Erledigt",
		"js.mod_kind_hold":            "Prüfung vor Veröffentlichung",
		"js.mod_claimed_until":        "bis %s",
		"js.mod_conflict_of_interest": "Nicht für dich (Befangenheit): %s",
		"js.mod_released":             "Freigegeben; jemand anderes kann den Eintrag übernehmen.",
		"js.mod_gone":                 "Der Inhalt ist nicht mehr verfügbar.",
		"js.mod_account":              "Konto %s",
		"js.mod_comment_by":           "Kommentar von @%s",
		"js.mod_no_prior":             "Keine früheren Entscheidungen.",
		"js.mod_no_explanation":       "Keine Begründung angegeben.",
		"js.mod_verified":             "Hash-Kette geprüft: %s Einträge",
		"js.mod_broken":               "Hash-Kette nach %s Einträgen unterbrochen",
		"js.mod_no_entries":           "Keine Einträge.",
		"js.mod_no_statements":        "Keine Begründungen in diesem Zeitraum.",
		"js.mod_decided":              "Entscheidung gespeichert. Die Begründung ging an die betroffenen Personen.",
		"js.mod_appeal_of":            "Widerspruch gegen Entscheidung %s",
		"js.mod_need_handle":          "Gib ein Handle ein.",
		"js.mod_looked":               "Dein Zugriff wurde im Zugriffsprotokoll festgehalten.",
		"js.mod_granted":              "Rolle vergeben; die Vergabe steht im Zugriffsprotokoll.",
	},
}

// translate returns the message key in lang, formatted with args. An
// unknown key is an error, so a typo in a template fails the page tests
// instead of rendering blank.
func translate(lang, key string, args ...any) (string, error) {
	m, ok := messages[lang][key]
	if !ok {
		return "", fmt.Errorf("web: no message %q in %q", key, lang)
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...), nil
	}
	return m, nil
}

// jsMessages are the "js." messages of lang, without the prefix.
func jsMessages(lang string) map[string]string {
	out := map[string]string{}
	for k, v := range messages[lang] {
		if rest, ok := strings.CutPrefix(k, "js."); ok {
			out[rest] = v
		}
	}
	return out
}

// pickLang chooses the page language: the lang cookie if it names a
// supported language, else the best match of Accept-Language, else English.
func pickLang(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil && supported(c.Value) {
		return c.Value
	}
	return parseAcceptLanguage(r.Header.Get("Accept-Language"))
}

func supported(lang string) bool {
	for _, l := range languages {
		if l == lang {
			return true
		}
	}
	return false
}

// parseAcceptLanguage returns the supported language with the highest
// q-value in an Accept-Language header (RFC 9110), matching on the primary
// subtag ("de-AT" is German); ties go to the one listed first.
func parseAcceptLanguage(h string) string {
	best, bestQ := languages[0], 0.0
	if len(h) > 4096 {
		h = h[:4096]
	}
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !supported(primary) {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// setLang is the EN/DE switch: it remembers the choice in a cookie for a
// year and goes back to the page it came from (a local path only, so the
// switch cannot be used as an open redirect).
func (h *Handler) setLang(w http.ResponseWriter, r *http.Request) {
	secure(w, false)
	code := r.PathValue("code")
	if !supported(code) {
		h.notFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// localPath returns p if it is a path on this site, else "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n\t\\") {
		return "/"
	}
	return p
}

// country is one entry of the sign-up country select.
type country struct{ Code, Name string }

var (
	countryOnce  sync.Once
	countryLists map[string][]country
)

// countries lists the ISO codes kurz accepts at sign-up, named and sorted
// in lang. The codes come from kurz.NormalizeCountry, so the select can
// never offer a code the API refuses.
func countries(lang string) []country {
	countryOnce.Do(func() {
		var codes []string
		for a := 'A'; a <= 'Z'; a++ {
			for b := 'A'; b <= 'Z'; b++ {
				c := string([]rune{a, b})
				if _, err := kurz.NormalizeCountry(c); err == nil {
					codes = append(codes, c)
				}
			}
		}
		countryLists = map[string][]country{}
		for _, l := range languages {
			tag := language.Make(l)
			namer := display.Regions(tag)
			list := make([]country, 0, len(codes))
			names := make([]string, 0, len(codes))
			byName := map[string]string{}
			for _, c := range codes {
				name := c
				if reg, err := language.ParseRegion(c); err == nil {
					if n := namer.Name(reg); n != "" {
						name = n
					}
				}
				names = append(names, name)
				byName[name] = c
			}
			collate.New(tag).SortStrings(names)
			for _, n := range names {
				list = append(list, country{Code: byName[n], Name: n})
			}
			if len(byName) != len(codes) { // duplicate names: fall back to codes
				list = list[:0]
				for _, c := range codes {
					list = append(list, country{Code: c, Name: c})
				}
				sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
			}
			countryLists[l] = list
		}
	})
	return countryLists[lang]
}
