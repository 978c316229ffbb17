/* The site search's scorer (Sphinx's `html_search_scorer`, set in _config.yml): Sphinx's
   own weights, and one change. A result that is a section whose heading holds the query
   (a reader who pastes an error message, whose entry on the errors page is headed by
   that message) ranks above a page that merely contains the words: Sphinx gives both
   the same score, and the page, sorted first by name, would hide the entry. */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, descr, score, filename] = result;
    return anchor && title.includes(" > ") ? score + 10 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
