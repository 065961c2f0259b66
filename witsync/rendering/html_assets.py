"""The style sheet and script the HTML plan carries inline: plain CSS, a small script, no library.

Inline, because the page must work offline, from a CI artifact or a file on disk.

The page works without the script (the tree is `<details>` elements, which every browser opens
and closes, with the keyboard too); the script adds the filters, the search, expand/collapse
all and the count of what is shown. Colour is never the only signal: every mark also has a
symbol and a word, deleted text is struck through and inserted text underlined.
"""

from __future__ import annotations

CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;
--create:#1a7f37;--create-bg:#dafbe1;--update:#9a6700;--update-bg:#fff8c5;
--reopen:#0550ae;--reopen-bg:#ddf4ff;--remove:#cf222e;--remove-bg:#ffebe9;
--unchanged:#57606a;--unchanged-bg:#eaeef2;--focus:#0969da;color-scheme:light}
*{box-sizing:border-box}
html{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
color:var(--fg);background:var(--bg)}
body{margin:0 auto;max-width:1200px;padding:24px 28px 64px}
a{color:#0969da}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:3px}
code,.mono{font:0.88em/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
header{border-bottom:1px solid var(--line);padding-bottom:16px;margin-bottom:16px}
.eyebrow{margin:0;color:var(--muted);font-size:.85rem;letter-spacing:.06em;text-transform:uppercase}
h1{margin:2px 0 4px;font-size:1.7rem}
h1 .scope{font-weight:400;color:var(--muted);font-size:1.1rem;margin-left:.4em}
.target{margin:0 0 12px;color:var(--muted);font-size:.9rem}
.counts{display:flex;flex-wrap:wrap;gap:10px;list-style:none;margin:0;padding:0}
.counts li{display:flex;align-items:baseline;gap:6px;padding:8px 14px;border-radius:8px;
border:1px solid var(--line);background:var(--soft);min-width:120px}
.counts .n{font-size:1.5rem;font-weight:700}
.verdict{margin:12px 0 0;font-weight:600}
.c-create .n{color:var(--create)}.c-update .n{color:var(--update)}
.c-reopen .n{color:var(--reopen)}.c-remove .n{color:var(--remove)}
.c-unchanged .n{color:var(--unchanged)}
.alerts{margin:0 0 16px}
.alerts h2{font-size:1rem;margin:12px 0 6px}
.alerts ul{margin:0;padding-left:0;list-style:none}
.alerts li{padding:6px 10px;border-left:4px solid var(--update);background:var(--update-bg);
margin-bottom:4px;border-radius:0 4px 4px 0}
.alerts .error li,.warn.error{border-left-color:var(--remove);background:var(--remove-bg)}
.toolbar{position:sticky;top:0;z-index:2;background:var(--bg);display:flex;flex-wrap:wrap;
gap:8px 18px;align-items:center;padding:10px 0;border-bottom:1px solid var(--line)}
.toolbar fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px;
align-items:center}
.toolbar legend{float:left;margin-right:6px;font-size:.85rem;color:var(--muted)}
.chip{display:inline-flex;align-items:center;gap:4px;padding:2px 9px 2px 5px;border-radius:14px;
border:1px solid var(--line);font-size:.88rem;cursor:pointer;user-select:none;background:var(--bg)}
.chip:has(input:checked){background:var(--soft);border-color:#8c959f}
.chip .n{color:var(--muted)}
.search input{font:inherit;padding:4px 8px;border:1px solid #8c959f;border-radius:6px;width:16em}
.toolbar button{font:inherit;font-size:.88rem;padding:3px 10px;border:1px solid #8c959f;
border-radius:6px;background:var(--soft);cursor:pointer}
#shown{margin:8px 0;color:var(--muted);font-size:.9rem}
.legend{color:var(--muted);font-size:.85rem;margin:4px 0 10px}
ul.tree,.n>details>ul{list-style:none;margin:0;padding:0}
.n>details>ul{margin-left:14px;padding-left:14px;border-left:1px solid var(--line)}
ul.tree>li{content-visibility:auto;contain-intrinsic-size:auto 2.2em}
li.n[hidden]{display:block;content-visibility:hidden;contain-intrinsic-size:0 0;height:0;
overflow:hidden;visibility:hidden;margin:0;padding:0}
li.ctx>details>summary,li.ctx>.r{opacity:.6}
summary,.r{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 8px;padding:4px 6px;
border-radius:6px;list-style:none;cursor:pointer}
.r{cursor:default;padding-left:24px}
summary::-webkit-details-marker{display:none}
summary::before{content:"▸";content:"▸"/"";color:var(--muted);width:12px;display:inline-block;
transition:transform .1s}
details[open]>summary::before{transform:rotate(90deg)}
summary:hover,.r:hover{background:var(--soft)}
.m{display:inline-flex;gap:4px;align-items:baseline;font-size:.78rem;font-weight:700;
padding:1px 7px;border-radius:10px;text-transform:uppercase;letter-spacing:.03em;
min-width:6.8em;justify-content:center;border:1px solid currentColor;font-style:normal}
.m::before{font-family:ui-monospace,Menlo,Consolas,monospace}
.m-create{color:var(--create);background:var(--create-bg)}
.m-create::before{content:"+";content:"+"/""}
.m-update{color:var(--update);background:var(--update-bg)}
.m-update::before{content:"~";content:"~"/""}
.m-reopen{color:var(--reopen);background:var(--reopen-bg)}
.m-reopen::before{content:"↺";content:"↺"/""}
.m-remove{color:var(--remove);background:var(--remove-bg)}
.m-remove::before{content:"−";content:"−"/""}
.m-unchanged{color:var(--unchanged);background:var(--unchanged-bg);font-weight:600}
.m-unchanged::before{content:"=";content:"="/""}
.r i,summary i{font-style:normal}
.sym{font-family:ui-monospace,Menlo,Consolas,monospace}
.ty{font-size:.8rem;color:var(--muted);border:1px solid var(--line);padding:0 6px;
border-radius:4px;white-space:nowrap}
.wid{color:var(--muted);font-variant-numeric:tabular-nums}
.ti{font-weight:600}
.a-unchanged>details>summary .ti,.a-unchanged>.r .ti{font-weight:400}
.a-remove>details>summary .ti{text-decoration:line-through;text-decoration-color:var(--remove)}
.key{color:var(--muted)}
.st,.wh{color:var(--muted);font-size:.85rem}
.st::before{content:"· ";content:"· "/""}
.w{margin-left:auto;color:var(--muted);font-size:.82rem}
.p{margin:2px 0 8px 24px;padding:10px 14px;border:1px solid var(--line);border-radius:8px;
background:var(--bg);break-inside:avoid}
.a-create>details>.p{border-left:4px solid var(--create)}
.a-update>details>.p{border-left:4px solid var(--update)}
.a-reopen>details>.p{border-left:4px solid var(--reopen)}
.a-remove>details>.p{border-left:4px solid var(--remove)}
.meta{margin:0 0 8px;font-size:.85rem;color:var(--muted)}
dl.v{display:grid;grid-template-columns:minmax(11em,17%) 1fr;gap:4px 12px;margin:0;
font-size:.9rem}
dl.v dt{font-weight:600}
dl.v dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
table.f{border-collapse:collapse;width:100%;font-size:.9rem}
table.f th,table.f td{border-top:1px solid var(--line);padding:5px 8px;text-align:left;
vertical-align:top}
table.f thead th{border-top:0;font-size:.78rem;color:var(--muted);font-weight:600;
text-transform:uppercase;letter-spacing:.04em}
table.f th[scope=row]{width:17%;font-weight:600;white-space:nowrap}
table.f td{width:41%;white-space:pre-wrap;overflow-wrap:anywhere}
.mode{font-size:.72rem;font-weight:600;color:var(--muted);border:1px dashed var(--line);
border-radius:4px;padding:0 4px;margin-left:4px}
.empty{color:var(--muted);font-style:italic}
.who{display:block;margin-top:3px;font-size:.8rem;color:var(--muted);white-space:normal}
.who.drift,.wh.drift{color:#9a6700;font-weight:600}
tr.origin th{text-align:left;font-size:.8rem;text-transform:uppercase;color:var(--muted)}
del{background:var(--remove-bg);color:#82071e;text-decoration:line-through;
text-decoration-thickness:1.5px}
ins{background:var(--create-bg);color:#0a3622;text-decoration:underline;text-underline-offset:2px}
del::before{content:"[deleted: ";}ins::before{content:"[inserted: ";}
del::after,ins::after{content:"]";}
del::before,ins::before,del::after,ins::after{position:absolute;width:1px;height:1px;
overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.tagset{display:flex;flex-wrap:wrap;gap:4px}
.tag,.tagset>i{display:inline-block;padding:0 6px;border-radius:4px;border:1px solid var(--line);
background:var(--soft);font-size:.85rem;font-style:normal}
del.tag,ins.tag{border-style:dashed}
ul.links,ul.notes,ul.warns{margin:8px 0 0;padding:0;list-style:none;font-size:.9rem}
ul.links li{padding:2px 0}
ul.links .add .sym{color:var(--create);font-weight:700}
ul.links .remove .sym{color:var(--remove);font-weight:700}
ul.notes li{color:var(--muted)}
.warn{padding:4px 8px;border-left:4px solid var(--update);background:var(--update-bg);
margin-top:4px;border-radius:0 4px 4px 0}
footer{margin-top:28px;color:var(--muted);font-size:.82rem;border-top:1px solid var(--line);
padding-top:10px}
@page{margin:14mm 12mm}
@media print{
  body{max-width:none;padding:0 2px;font-size:11px}
  .toolbar,#shown,.noprint{display:none!important}
  *{print-color-adjust:exact;-webkit-print-color-adjust:exact}
  ul.tree>li{content-visibility:visible}
  summary::before{content:""}
  a{color:inherit;text-decoration:none}
}
"""

JS = r"""
(function(){
"use strict";
var form=document.getElementById("filters"),status=document.getElementById("shown");
if(!form)return;
form.hidden=false;
var nodes=Array.prototype.slice.call(document.querySelectorAll("li.n"));
var n=nodes.length,index=new Map(),parent=new Int32Array(n),det=new Array(n);
var mark=new Array(n),type=new Array(n),ids=new Array(n),text=null;
nodes.forEach(function(li,i){index.set(li,i);});
nodes.forEach(function(li,i){
  var p=li.parentElement&&li.parentElement.closest("li.n");
  parent[i]=p?index.get(p):-1;
  var d=li.firstElementChild;det[i]=(d&&d.tagName==="DETAILS")?d:null;
  mark[i]=/\ba-(\w+)/.exec(li.className)[1];type[i]=li.dataset.t;
});
function row(i){return det[i]?det[i].firstElementChild:nodes[i].firstElementChild;}
function texts(){  // built on the first search: the page loads without this work
  text=new Array(n);
  for(var i=0;i<n;i++){var r=row(i),wid=r.querySelector(".wid"),w=wid?wid.textContent:"";
    ids[i]=w.charAt(0)==="#"?w.slice(1):"";
    text[i]=(r.querySelector(".key").textContent+" "+w+" "+
      r.querySelector(".ti").textContent).toLowerCase();}
}
var initial=det.map(function(d){return d?d.open:false;});
var q=document.getElementById("q"),boxes=form.querySelectorAll("input[type=checkbox]");
var total=boxes.length;
function checked(name){var s=new Set();
  form.querySelectorAll("input[name="+name+"]:checked").forEach(function(b){s.add(b.value);});
  return s;}
function apply(){
  var acts=checked("a"),types=checked("t"),t=q.value.trim().toLowerCase();
  if(t&&!text)texts();
  var idq=/^#?\d+$/.test(t)?t.replace("#",""):null;
  var filtering=!!t||form.querySelectorAll("input[type=checkbox]:checked").length<total;
  var show=new Uint8Array(n),match=new Uint8Array(n),below=new Uint8Array(n),count=0,i;
  for(i=n-1;i>=0;i--){
    var m=acts.has(mark[i])&&types.has(type[i])&&
      (!t||(idq!==null?ids[i]===idq:text[i].indexOf(t)>=0));
    if(m){match[i]=1;show[i]=1;count++;}
    if(show[i]&&parent[i]>=0){show[parent[i]]=1;below[parent[i]]=1;}
  }
  for(i=0;i<n;i++){
    var node=nodes[i],hide=!show[i];
    if(node.hidden!==hide)node.hidden=hide;
    var ctx=!!show[i]&&!match[i];
    if(node.classList.contains("ctx")!==ctx)node.classList.toggle("ctx",ctx);
    // a hidden item's branch is left as it is: closing thousands of branches nobody sees
    // costs a layout of each
    if(det[i]&&!hide){var open=filtering?(below[i]?true:det[i].open):initial[i];
      if(det[i].open!==open)det[i].open=open;}
  }
  status.textContent=filtering?("Showing "+count.toLocaleString("en")+" of "+
    n.toLocaleString("en")+" items (and the items above them)"):
    ("All "+n.toLocaleString("en")+" items; unchanged branches are collapsed");
}
var timer=0;
form.addEventListener("change",apply);
q.addEventListener("input",function(){clearTimeout(timer);timer=setTimeout(apply,150);});
q.addEventListener("keydown",function(e){if(e.key==="Escape"){q.value="";apply();}});
form.addEventListener("submit",function(e){e.preventDefault();apply();});
function all(open){det.forEach(function(d,i){if(d&&!nodes[i].hidden)d.open=open;});}
document.getElementById("expand").addEventListener("click",function(){all(true);});
document.getElementById("collapse").addEventListener("click",function(){all(false);});
document.getElementById("reset").addEventListener("click",function(){
  boxes.forEach(function(b){b.checked=true;});q.value="";apply();});
document.addEventListener("keydown",function(e){
  if(e.key==="/"&&document.activeElement!==q&&!e.ctrlKey&&!e.metaKey&&!e.altKey){
    e.preventDefault();q.focus();}
});
function reveal(){
  var id=decodeURIComponent(location.hash.slice(1));if(!id)return;
  var el=document.getElementById(id);if(!el)return;
  var li=el.closest("li.n");
  while(li){li.hidden=false;var d=li.firstElementChild;
    if(d&&d.tagName==="DETAILS")d.open=true;
    li=li.parentElement&&li.parentElement.closest("li.n");}
  el.scrollIntoView({block:"center"});
  var s=el.querySelector("summary,.r");if(s){s.setAttribute("tabindex","-1");s.focus();}
}
window.addEventListener("hashchange",reveal);
status.textContent="All "+n.toLocaleString("en")+" items; unchanged branches are collapsed";
reveal();
})();
"""
