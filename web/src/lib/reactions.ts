// Like/dislike as a person sees it: the counts move at once, then the server's post wins.
import type { Schemas } from "./api/client";

type Post = Schemas["PostRead"];
export type Reaction = Schemas["ReactionKind"];

/** The post as it will look after toggling `kind`: a like replaces a dislike and back. */
export function toggled(post: Post, kind: Reaction): Post {
  const next = { ...post };
  const count = (k: Reaction) => (k === "like" ? "like_count" : "dislike_count");
  if (post.viewer_reaction) next[count(post.viewer_reaction)] -= 1;
  if (post.viewer_reaction === kind) {
    next.viewer_reaction = null;
  } else {
    next.viewer_reaction = kind;
    next[count(kind)] += 1;
  }
  return next;
}
